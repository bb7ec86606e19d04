// Images and videos made byte by byte for the media tests (not a test file
// itself): a PNG encoder, a GIF, an MP4 skeleton, and a reader of JPEG and
// PNG sizes, so that no test depends on a file from elsewhere.
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// An 8-bit RGB (or RGBA with alpha) PNG of w x h. pixel(x, y) -> [r, g, b(, a)];
// noise: random pixels stored without compression (a large file that JPEG
// cannot squeeze either).
export function png(w, h, { pixel, noise = false, alpha = false, seed = 0 } = {}) {
  const bpp = alpha ? 4 : 3;
  const stride = w * bpp + 1;
  const raw = noise ? randomBytes(stride * h) : Buffer.alloc(stride * h);
  for (let y = 0; y < h; y++) {
    raw[y * stride] = 0; // filter: none
    if (noise) continue;
    for (let x = 0; x < w; x++) {
      const p = pixel ? pixel(x, y) : [(x * 7 + seed) & 255, (y * 5 + seed) & 255, (x ^ y) & 255, 255];
      for (let i = 0; i < bpp; i++) raw[y * stride + 1 + x * bpp + i] = p[i] ?? 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = alpha ? 6 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: noise ? 0 : 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A PNG whose header declares w x h but whose data is one small row: a
// decompression bomb's calling card, to be refused before decoding.
export function pngDeclaring(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A 1 x 1 GIF89a (uncompressed LZW stream of one pixel).
export function gif1x1() {
  return Buffer.from([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, // header, screen 1x1, GCT of 2
    0xff, 0, 0, 0, 0, 0, // palette: red, black
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, // image descriptor
    2, 2, 0x44, 0x01, 0, // LZW min 2, 2 bytes: clear, 0, end
    0x3b,
  ]);
}

function box(type, ...parts) {
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(8 + body.length);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, body]);
}

// An MP4 skeleton: ftyp, moov (mvhd: 1000 units/s, duration ms; one trak
// with a tkhd of w x h), mdat. Enough for kanal's box walk; not playable.
export function mp4(w, h, ms, brand = 'isom') {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12);
  mvhd.writeUInt32BE(ms, 16);
  const tkhd = Buffer.alloc(84);
  tkhd.writeUInt32BE(w << 16, 76);
  tkhd.writeUInt32BE(h << 16, 80);
  return Buffer.concat([
    box('ftyp', Buffer.from(brand.padEnd(4), 'latin1'), Buffer.alloc(4), Buffer.from('isommp41', 'latin1')),
    box('moov', box('mvhd', mvhd), box('trak', box('tkhd', tkhd))),
    box('mdat', randomBytes(256)),
  ]);
}

// { width, height } of a JPEG from its first start-of-frame, or null.
export function jpegSize(buf) {
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const m = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}
