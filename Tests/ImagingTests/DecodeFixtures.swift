import Foundation
import TestSupport

/// One encoded file and its expected decoding: Pillow's `Image.open(file).convert("RGB")`,
/// except for 16-bit grey PNG (see the script).
struct DecodeFixture: Decodable, Sendable {
    let name: String
    let file: String
    let width: Int
    let height: Int
    /// Raw RGB bytes of the expected decoding.
    let expected: String
}

/// Where the fixtures go; removed when the test process exits.
private let fixtureFolder = FileManager.default.temporaryDirectory
    .appendingPathComponent("imaging-fixtures-\(ProcessInfo.processInfo.processIdentifier)").path

/// Encoded files of many kinds, made once per test run from a crop of chelsea.png.
let decodeFixtures = Result<[DecodeFixture], any Error> {
    try FileManager.default.createDirectory(atPath: fixtureFolder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: fixtureFolder) }
    let printed = try PythonReference.run(makeDecodeFixtures, [fixtureFolder, TestFiles.photos])
    return try JSONDecoder().decode([DecodeFixture].self, from: Data(printed.utf8))
}

/// Writes the fixtures and prints their list as JSON.
private let makeDecodeFixtures = #"""
import json, os, struct, sys, zlib
import numpy as np
from PIL import Image

out, photos = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
crop = Image.open(os.path.join(photos, 'chelsea.png')).convert('RGB').crop((150, 40, 217, 85))
rgb = np.asarray(crop)                        # 45 x 67: odd sizes on purpose
h, w = rgb.shape[:2]
alpha = (np.arange(w)[None, :] * 255 // (w - 1)).repeat(h, 0).astype(np.uint8)
alpha[::7] = 0
rgba = np.dstack([rgb, alpha])
grey = np.asarray(crop.convert('L'))
fixtures = []

def emit(name, path, expected=None):
    if expected is None:
        expected = np.asarray(Image.open(path).convert('RGB'))
    expected_path = os.path.join(out, name + '.rgb')
    np.ascontiguousarray(expected, dtype=np.uint8).tofile(expected_path)
    fixtures.append(dict(name=name, file=path, width=expected.shape[1], height=expected.shape[0],
                         expected=expected_path))

def save(name, image, extension, **options):
    path = os.path.join(out, name + '.' + extension)
    image.save(path, **options)
    emit(name, path)

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write_png(name, samples, color_type, interlaced=False):
    """A minimal PNG writer for what Pillow cannot write: 16-bit colour, interlacing."""
    samples = samples if samples.ndim == 3 else samples[:, :, None]
    depth = 16 if samples.dtype == np.uint16 else 8
    big_endian = samples.astype('>u2' if depth == 16 else 'u1')
    def scanlines(a):
        return b''.join(b'\0' + a[y].tobytes() for y in range(a.shape[0]))
    if interlaced:
        passes = [big_endian[y0::dy, x0::dx] for x0, y0, dx, dy in ADAM7]
        raw = b''.join(scanlines(p) for p in passes if p.size)
    else:
        raw = scanlines(big_endian)
    header = struct.pack('>IIBBBBB', samples.shape[1], samples.shape[0], depth, color_type, 0, 0, int(interlaced))
    path = os.path.join(out, name + '.png')
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
    return path

def sixteen(a):
    """16-bit samples whose high byte is `a` and whose low byte is noise."""
    return (a.astype(np.uint16) << 8) | rng.integers(0, 256, a.shape, dtype=np.uint16)

# PNG, written by Pillow.
save('png_rgb8', crop, 'png')
save('png_rgba8', Image.fromarray(rgba, 'RGBA'), 'png')
save('png_grey8', Image.fromarray(grey, 'L'), 'png')
save('png_greyalpha8', Image.fromarray(np.dstack([grey, alpha]), 'LA'), 'png')
save('png_grey1', crop.convert('1'), 'png')
save('png_palette8', crop.quantize(64), 'png')
save('png_palette4', crop.quantize(16), 'png', bits=4)
save('png_palette_trns', crop.quantize(64), 'png', transparency=3)
save('png_rgb_trns', crop, 'png', transparency=tuple(int(v) for v in rgb[0, 0]))
save('png_grey_trns', Image.fromarray(grey, 'L'), 'png', transparency=int(grey[0, 0]))
# PNG, written here.
emit('png_rgb16', write_png('png_rgb16', sixteen(rgb), 2))
emit('png_rgba16', write_png('png_rgba16', sixteen(rgba), 6))
emit('png_greyalpha16', write_png('png_greyalpha16', sixteen(np.dstack([grey, alpha])), 4))
emit('png_rgb8_interlaced', write_png('png_rgb8_interlaced', rgb, 2, interlaced=True))
emit('png_rgba16_interlaced', write_png('png_rgba16_interlaced', sixteen(rgba), 6, interlaced=True))
# Pillow opens 16-bit grey as mode I;16 and its convert('RGB') clips values above 255 to 255
# (a white image); the expectation here is the high byte, as Pillow does for 16-bit colour.
emit('png_grey16', write_png('png_grey16', sixteen(grey), 0), expected=np.dstack([grey] * 3))

# JPEG.
emit('jpeg_rocket', os.path.join(photos, 'rocket.jpg'))
save('jpeg_420', crop, 'jpg', quality=90)
save('jpeg_444', crop, 'jpg', quality=90, subsampling=0)
save('jpeg_progressive', crop, 'jpg', quality=85, progressive=True)
save('jpeg_grey', Image.fromarray(grey, 'L'), 'jpg', quality=90)
save('jpeg_cmyk', crop.convert('CMYK'), 'jpg', quality=95)

# WebP.
save('webp_lossless_rgb', crop, 'webp', lossless=True)
save('webp_lossless_rgba', Image.fromarray(rgba, 'RGBA'), 'webp', lossless=True, exact=True)
save('webp_lossy_rgb', crop, 'webp', quality=80)
save('webp_lossy_rgba', Image.fromarray(rgba, 'RGBA'), 'webp', quality=80)

print(json.dumps(fixtures))
"""#
