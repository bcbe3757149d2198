// S3-compatible endpoints: scheme inference and provider recognition by host (spec §5), for the resolver and the URL parser.

/** Lower-cased `host[:port]` of an endpoint given with or without a scheme. */
export function endpointHost(endpoint: string): string {
  const e = endpoint.trim().toLowerCase();
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/.exec(e);
  const authority = m ? m[1] : e.split(/[/?#]/)[0];
  return authority.includes('@') ? '' : authority;
}

function hostname(endpoint: string): string {
  const host = endpointHost(endpoint);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i === -1 ? host : host.slice(0, i);
}

/** localhost, loopback, private networks and *.local: these usually speak plain HTTP. */
export function isLocalEndpoint(endpoint: string): boolean {
  const h = hostname(endpoint);
  if (h === '' ) return false;
  if (h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h.endsWith('.local') || h.endsWith('.localhost')) return true;
  if (/^127\./.test(h) || h.startsWith('10.') || h.startsWith('192.168.')) return true;
  const m = /^172\.(\d+)\./.exec(h);
  return m !== null && Number(m[1]) >= 16 && Number(m[1]) <= 31;
}

/** Adds `http://` to a local endpoint or `https://` to any other one that has no scheme. */
export function ensureEndpointScheme(endpoint: string): string {
  const e = endpoint.trim();
  if (e === '' || /^https?:\/\//i.test(e)) return e;
  return (isLocalEndpoint(e) ? 'http://' : 'https://') + e;
}

export type Provider =
  | 'aws' | 'tigris' | 'r2' | 'digitalocean' | 'backblaze' | 'filebase' | 'scaleway' | 'hetzner' | 'supabase'
  | 'gcs' | 'minio' | 'other';

const KNOWN_CLOUD = ['.amazonaws.com', '.digitaloceanspaces.com', '.backblazeb2.com', '.filebase.com', '.scw.cloud',
  '.r2.cloudflarestorage.com', 'tigris.dev', 't3.storage.dev', '.supabase.co'];

/** Which S3-compatible service an endpoint belongs to; 'aws' when there is no endpoint. */
export function providerOf(endpoint: string | undefined): Provider {
  if (!endpoint) return 'aws';
  const host = endpointHost(endpoint);
  const name = hostname(endpoint);
  if (name === 'fly.storage.tigris.dev' || name === 't3.storage.dev') return 'tigris';
  if (name.endsWith('.r2.cloudflarestorage.com')) return 'r2';
  if (name.endsWith('.digitaloceanspaces.com')) return 'digitalocean';
  if (name.endsWith('.backblazeb2.com')) return 'backblaze';
  if (name === 's3.filebase.com') return 'filebase';
  if (name.endsWith('.scw.cloud')) return 'scaleway';
  if (name.endsWith('.your-objectstorage.com')) return 'hetzner';
  if (name.endsWith('.supabase.co')) return 'supabase';
  if (/(^|\.)storage(\.|-)[^.]*\.?googleapis\.com$|^storage\.googleapis\.com$/.test(name)) return 'gcs';
  if (name.endsWith('.amazonaws.com')) return 'aws';
  // MinIO and similar: a custom endpoint with a port that is not a known cloud provider.
  if (host.includes(':') && !KNOWN_CLOUD.some((s) => host.includes(s))) return 'minio';
  return 'other';
}

