// Test setup for the Container Registry pages: projects made through the REST API (as the
// root token), real images written as OCI layouts and pushed with skopeo, extra tags put
// straight through the registry API, and what skopeo reports back about an image.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BASE = process.env.BERTH_URL ?? 'http://127.0.0.1:8080';
export const HOST = new URL(BASE).host;
export const ROOT_TOKEN = process.env.BERTH_E2E_ROOT_TOKEN ?? '';

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export async function api(method: string, path: string, body?: Record<string, unknown>) {
  const res = await fetch(`${BASE}/api/v4${path}`, {
    method,
    headers: { 'PRIVATE-TOKEN': ROOT_TOKEN, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/// A one-file ustar archive.
function tar(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('14000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

type Blob = { mediaType: string; digest: string; size: number; bytes: Buffer };
const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, digest: sha256(bytes), size: bytes.length, bytes });
const descriptor = (b: Blob, extra: Record<string, unknown> = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });

function image(arch: string, content: string) {
  const raw = tar('hello.txt', Buffer.from(content));
  const layer = blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(raw));
  const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
    architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(raw)] },
  })));
  const manifest = blob('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(config), layers: [descriptor(layer)],
  })));
  return { manifest, blobs: [layer, config, manifest] };
}

/// An OCI layout with one tag; `arches` > 1 makes a multi-platform image (an index).
export function layout(content: string, arches: string[] = ['amd64']): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-oci-'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const images = arches.map((a) => image(a, `${content} for ${a}\n`));
  const all = images.flatMap((i) => i.blobs);
  let top = images[0].manifest;
  if (arches.length > 1) {
    top = blob('application/vnd.oci.image.index.v1+json', Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map((i, n) => descriptor(i.manifest, { platform: { architecture: arches[n], os: 'linux' } })),
    })));
    all.push(top);
  }
  for (const b of all) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [descriptor(top, { annotations: { 'org.opencontainers.image.ref.name': 'tag' } })],
  }));
  return dir;
}

function skopeo(args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/// Pushes a layout to `<host>/<path>:<tag>` with skopeo, as root.
export function push(dir: string, path: string, tag: string) {
  skopeo(['copy', '--all', '--dest-tls-verify=false', '--dest-creds', `root:${ROOT_TOKEN}`, `oci:${dir}:tag`, `docker://${HOST}/${path}:${tag}`]);
}

/// What skopeo reports about a pushed tag: manifest digest, config digest, and the size of
/// config plus layers.
export function inspect(path: string, tag: string) {
  const raw = skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `root:${ROOT_TOKEN}`, `docker://${HOST}/${path}:${tag}`]);
  const m = JSON.parse(raw);
  return {
    digest: sha256(Buffer.from(raw)),
    config: m.config?.digest as string,
    size: (m.config?.size ?? 0) + (m.layers ?? []).reduce((s: number, l: { size: number }) => s + l.size, 0),
  };
}

/// Points more tags at an existing tag's manifest through the registry API.
export async function retag(path: string, from: string, tags: string[]) {
  const auth = Buffer.from(`root:${ROOT_TOKEN}`).toString('base64');
  const scope = `repository:${path}:pull,push`;
  const tokenRes = await fetch(`${BASE}/jwt/auth?service=container_registry&scope=${encodeURIComponent(scope)}`, {
    headers: { authorization: `Basic ${auth}` },
  });
  const { token } = await tokenRes.json();
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' };
  const got = await fetch(`${BASE}/v2/${path}/manifests/${from}`, { headers });
  const type = got.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json';
  const bytes = Buffer.from(await got.arrayBuffer());
  for (const tag of tags) {
    const put = await fetch(`${BASE}/v2/${path}/manifests/${tag}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: bytes,
    });
    if (put.status !== 201) throw new Error(`retag ${tag}: ${put.status} ${await put.text()}`);
  }
}
