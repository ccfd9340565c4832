"""The domain, one package per feature: models, pure rules, loading queries and services. No Flask request state."""
