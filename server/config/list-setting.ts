// Settings that hold several values are one string, comma-separated (so that they fit an
// environment variable and --set): "a, b,,c" is ["a", "b", "c"].
export function listSetting(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
