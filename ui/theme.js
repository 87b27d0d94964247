// Theme: sets data-theme="light|dark" on <html>; 'system' follows prefers-color-scheme
// (and keeps following it while the app runs).

let setting = 'system';
let media = null;

/** Pure: the theme in force for a setting and whether the system prefers dark. */
export function resolveTheme(value, systemDark) {
  if (value === 'light' || value === 'dark') return value;
  return systemDark ? 'dark' : 'light';
}

function apply() {
  const dark = !!(media && media.matches);
  document.documentElement.dataset.theme = resolveTheme(setting, dark);
  document.documentElement.dataset.themeSetting = setting;
}

export function setTheme(value) {
  setting = value === 'light' || value === 'dark' ? value : 'system';
  if (!media && window.matchMedia) {
    media = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => { if (setting === 'system') apply(); };
    if (media.addEventListener) media.addEventListener('change', onChange); else media.addListener(onChange);
  }
  apply();
}
