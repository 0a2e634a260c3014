/** The navigation, one entry per page that exists. Each stage adds its page here as it lands. */
export const NAV_ITEMS: readonly { to: string; label: string }[] = [
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/status', label: 'Status' },
  { to: '/movies', label: 'Movies' },
  { to: '/recommendations', label: 'For you' },
  { to: '/runs', label: 'Runs' },
  { to: '/models', label: 'Models' },
  { to: '/datasets', label: 'Datasets' },
  { to: '/features', label: 'Features' },
  { to: '/pipelines', label: 'Pipelines' },
  { to: '/drift', label: 'Drift' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/events', label: 'Events' },
];
