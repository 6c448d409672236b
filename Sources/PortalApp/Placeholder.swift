enum PlaceholderPortalApp {}
