enum PlaceholderPortalStorage {}
