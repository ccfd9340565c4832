"""Rooms, chairs and equipment: their set-up (``setup``) and which appointment uses which (``usage``)."""
