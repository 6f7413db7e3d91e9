/**
 * Draws the add-on store images, `icon.png` (128x128) and `logo.png` (250x100), with no image
 * library: shapes are sampled 4x4 per pixel for smooth edges and written as RGBA PNG with node:zlib.
 * Run `node --import tsx scripts/make-images.ts` after changing a drawing; test/packaging/images.test.ts
 * checks that the committed files hold exactly these pixels.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';

/** Straight (non-premultiplied) RGBA pixels, row by row. */
export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

type Rgb = readonly [number, number, number];
/** Is the point (x, y), in drawing units, inside the shape? */
type Shape = (x: number, y: number) => boolean;

const SAMPLES = 4;
const BLUE_TOP: Rgb = [0x29, 0x8d, 0xf0];
const BLUE_BOTTOM: Rgb = [0x0d, 0x47, 0xa1];
const WHITE: Rgb = [0xff, 0xff, 0xff];
const INK: Rgb = [0x0d, 0x47, 0xa1];

/** Paints `shape` over `image` with the colour `color(x, y)`, scaled by `scale` and moved by (dx, dy). */
function paint(image: Image, shape: Shape, color: (x: number, y: number) => Rgb, scale = 1, dx = 0, dy = 0): void {
  for (let py = 0; py < image.height; py++) {
    for (let px = 0; px < image.width; px++) {
      let hits = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES - dx) / scale;
          const y = (py + (sy + 0.5) / SAMPLES - dy) / scale;
          if (shape(x, y)) hits++;
        }
      }
      if (hits === 0) continue;
      const alpha = hits / (SAMPLES * SAMPLES);
      const [r, g, b] = color((px + 0.5 - dx) / scale, (py + 0.5 - dy) / scale);
      const i = (py * image.width + px) * 4;
      const below = image.rgba[i + 3]! / 255;
      const out = alpha + below * (1 - alpha);
      const mix = (top: number, bottom: number) => Math.round((top * alpha + bottom * below * (1 - alpha)) / out);
      image.rgba[i] = mix(r, image.rgba[i]!);
      image.rgba[i + 1] = mix(g, image.rgba[i + 1]!);
      image.rgba[i + 2] = mix(b, image.rgba[i + 2]!);
      image.rgba[i + 3] = Math.round(out * 255);
    }
  }
}

const blank = (width: number, height: number): Image => ({ width, height, rgba: new Uint8Array(width * height * 4) });

const roundedSquare =
  (size: number, radius: number): Shape =>
  (x, y) => {
    const cx = Math.min(Math.max(x, radius), size - radius);
    const cy = Math.min(Math.max(y, radius), size - radius);
    return x >= 0 && y >= 0 && x <= size && y <= size && (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
  };

const disc =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** Rings around (cx, cy) kept only within `spread` radians of the horizontal, on both sides, with round ends. */
const waves =
  (cx: number, cy: number, radii: readonly number[], width: number, spread: number): Shape =>
  (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    const d = Math.hypot(dx, dy);
    for (const r of radii) {
      const angle = Math.atan2(Math.abs(dy), Math.abs(dx));
      if (Math.abs(d - r) <= width / 2 && angle <= spread) return true;
      // Round caps at both ends of each arc.
      for (const sx of [-1, 1]) {
        for (const sy of [-1, 1]) {
          const ex = cx + sx * r * Math.cos(spread);
          const ey = cy + sy * r * Math.sin(spread);
          if ((x - ex) ** 2 + (y - ey) ** 2 <= (width / 2) ** 2) return true;
        }
      }
    }
    return false;
  };

const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));

const vertical = (top: Rgb, bottom: Rgb, height: number) => (_x: number, y: number) => {
  const t = Math.min(Math.max(y / height, 0), 1);
  return [0, 1, 2].map((k) => Math.round(top[k]! + (bottom[k]! - top[k]!) * t)) as unknown as Rgb;
};

/** The mark on a 128-unit square: a rounded blue tile with a white broadcast symbol. */
function drawMark(image: Image, scale: number, dx: number, dy: number): void {
  paint(image, roundedSquare(128, 26), vertical(BLUE_TOP, BLUE_BOTTOM, 128), scale, dx, dy);
  const symbol = union(disc(64, 64, 11), waves(64, 64, [28, 46], 9, Math.PI / 4));
  paint(image, symbol, () => WHITE, scale, dx, dy);
}

export function renderIcon(): Image {
  const image = blank(128, 128);
  drawMark(image, 1, 0, 0);
  return image;
}

/** 5x7 glyphs for the logo's letters. */
const GLYPHS: Record<string, readonly string[]> = {
  S: ['.XXXX', 'X....', 'X....', '.XXX.', '....X', '....X', 'XXXX.'],
  E: ['XXXXX', 'X....', 'X....', 'XXXX.', 'X....', 'X....', 'XXXXX'],
  H: ['X...X', 'X...X', 'X...X', 'XXXXX', 'X...X', 'X...X', 'X...X'],
  U: ['X...X', 'X...X', 'X...X', 'X...X', 'X...X', 'X...X', '.XXX.'],
  B: ['XXXX.', 'X...X', 'X...X', 'XXXX.', 'X...X', 'X...X', 'XXXX.'],
};

/** A word in glyph units: glyph cells are 1x1, letters one cell apart. */
function word(text: string): Shape {
  return (x, y) => {
    if (y < 0 || y >= 7 || x < 0) return false;
    const letter = Math.floor(x / 6);
    const column = Math.floor(x - letter * 6);
    const glyph = GLYPHS[text[letter] ?? ''];
    return glyph !== undefined && column < 5 && glyph[Math.floor(y)]![column] === 'X';
  };
}

export function renderLogo(): Image {
  const image = blank(250, 100);
  drawMark(image, 88 / 128, 4, 6);
  paint(image, word('SSE'), () => INK, 6, 108, 10);
  paint(image, word('HUB'), () => BLUE_TOP, 5.5, 109, 58);
  return image;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const body = Buffer.concat([head.subarray(4), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([head.subarray(0, 4), body, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8-bit RGBA, non-interlaced PNG with filter type 0 on every row. */
export function encodePng({ width, height, rgba }: Image): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Reads back a PNG written by {@link encodePng} (RGBA, 8 bits, filter 0 rows); throws on anything else. */
export function decodePng(png: Buffer): Image {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (png.readUInt32BE(offset + 8 + length) !== crc32(png.subarray(offset + 4, offset + 8 + length))) {
      throw new Error(`bad CRC in ${type}`);
    }
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('expected 8-bit RGBA, not interlaced');
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    if (raw[row] !== 0) throw new Error(`row ${y} uses filter ${raw[row]}`);
    rgba.set(raw.subarray(row + 1, row + 1 + width * 4), y * width * 4);
  }
  return { width, height, rgba };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  writeFileSync(`${root}icon.png`, encodePng(renderIcon()));
  writeFileSync(`${root}logo.png`, encodePng(renderLogo()));
  process.stdout.write('wrote icon.png (128x128) and logo.png (250x100)\n');
}
