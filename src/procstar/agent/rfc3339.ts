/**
 * RFC 3339 UTC times as chrono's `to_rfc3339()` writes them, which is what
 * the Rust agent sends: `2025-03-01T10:00:00.102345+00:00`, with 0, 3 or 6
 * fraction digits (chrono picks the fewest that are exact; we keep
 * microseconds, so never 9).
 */
export function formatRfc3339(epochUs: number): string {
  const us = Math.round(epochUs);
  const ms = Math.floor(us / 1000);
  const micro = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // 2025-03-01T10:00:00.102Z
  const seconds = iso.slice(0, 19);
  const milli = ms - Math.floor(ms / 1000) * 1000;
  let fraction = '';
  if (micro !== 0) fraction = `.${String(milli * 1000 + micro).padStart(6, '0')}`;
  else if (milli !== 0) fraction = `.${String(milli).padStart(3, '0')}`;
  return `${seconds}${fraction}+00:00`;
}
