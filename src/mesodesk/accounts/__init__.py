"""People who sign in: clinic staff now, patients later."""
