enum PlaceholderPortalAuth {}
