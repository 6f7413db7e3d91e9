/**
 * The LAN port's certificate (`ssl`, `certfile`, `keyfile`; DOCS.md "HTTPS and HTTP/2"): read
 * once at start and checked before the port opens, so a missing, unreadable or mismatched file
 * stops the start with one line that names the file and what is wrong with it (`main.ts` prints
 * it and exits), instead of a port that fails every handshake.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { TlsFiles } from '../config/config.ts';

/** The certificate cannot be used; `message` is the one line to show. */
export class TlsCertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsCertificateError';
  }
}

export interface TlsCertificate {
  cert: Buffer;
  key: Buffer;
}

const HINT = "ssl is on: put the files in Home Assistant's /ssl folder (SSL_DIR outside Home Assistant) or set certfile/keyfile";

function read(option: 'certfile' | 'keyfile', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'may not be read by this user' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? 'error'})`;
    throw new TlsCertificateError(`${option} ${path} ${why}; ${HINT}`);
  }
}

/** Reads and checks the pair; throws {@link TlsCertificateError}. */
export function loadTlsCertificate(files: TlsFiles): TlsCertificate {
  const cert = read('certfile', files.certFile);
  const key = read('keyfile', files.keyFile);
  try {
    new X509Certificate(cert);
  } catch {
    throw new TlsCertificateError(`certfile ${files.certFile} holds no PEM certificate; ${HINT}`);
  }
  try {
    createPrivateKey(key);
  } catch {
    // Also an encrypted key: there is nowhere to type its passphrase.
    throw new TlsCertificateError(`keyfile ${files.keyFile} holds no unencrypted PEM private key; ${HINT}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch {
    throw new TlsCertificateError(`keyfile ${files.keyFile} does not belong to the certificate in ${files.certFile}; ${HINT}`);
  }
  return { cert, key };
}
