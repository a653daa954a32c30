import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';
import { SchedulerError } from '../errors.js';

/** A PEM certificate and key for the agent server. */
export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** True when this call made the certificate. */
  readonly generated: boolean;
}

export class CertificateError extends SchedulerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_config', message, options);
  }
}

/** The names a self-signed certificate covers: loopback, this host, and the bind host when it is a name or address. */
export function certificateNames(bindHost: string | undefined): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1', osHostname()]);
  if (bindHost !== undefined && bindHost !== '*' && bindHost !== '' && bindHost !== '0.0.0.0')
    names.add(bindHost);
  return [...names];
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CertificateError(
      `cannot read the agent server's TLS ${what} ${path}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** Loads a configured certificate and key, checking that they parse. */
export function loadCertificate(certPath: string, keyPath: string): ServerCertificate {
  const cert = readPem(certPath, 'certificate');
  const key = readPem(keyPath, 'key');
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new CertificateError(`${certPath} is not a PEM certificate: ${String(err)}`, {
      cause: err,
    });
  }
  return { cert, key, certPath, keyPath, generated: false };
}

/** True when a certificate names every host in `names` and is valid for at least another day. */
function covers(pem: string, names: readonly string[], now: number): boolean {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch {
    return false;
  }
  if (Date.parse(x509.validTo) < now + 86_400_000) return false;
  return names.every((name) =>
    isIP(name) === 0 ? x509.checkHost(name) !== undefined : x509.checkIP(name) !== undefined,
  );
}

/**
 * The certificate a daemon with no configured one uses: a self-signed
 * certificate for `names`, kept at `certPath`/`keyPath` (beside the database)
 * so agents that trust it keep trusting it across restarts. It is made again
 * only when missing, expiring, or not covering a name.
 */
export async function selfSignedCertificate(
  certPath: string,
  keyPath: string,
  names: readonly string[],
  now: number = Date.now(),
): Promise<ServerCertificate> {
  if (existsSync(certPath) && existsSync(keyPath)) {
    const existing = loadCertificate(certPath, keyPath);
    if (covers(existing.cert, names, now)) return existing;
  }
  const pems = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 5 * 365 * 86_400_000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: names.map((name) =>
          isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name },
        ),
      },
      { name: 'extKeyUsage', serverAuth: true },
    ],
  });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, certPath, keyPath, generated: true };
}
