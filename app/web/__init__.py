"""The web layer shared by every face: sites, rendering, loaders, errors, security headers, formatting, the transaction."""
