enum PlaceholderPortalAPI {}
