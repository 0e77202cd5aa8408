"""Reports and dashboards: built-in reports over the other areas, saved reports, dashboards, charts."""
