enum PlaceholderPortalWeb {}
