"""The staff workspace's views; clinical pages here, clinic pages in views/clinic_*.py."""
