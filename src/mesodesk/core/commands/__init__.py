"""The clinical-core commands of `mesodesk`: protocol, screen, timeline, plan."""
