"""What a practice offers: locations, services and categories, providers."""
