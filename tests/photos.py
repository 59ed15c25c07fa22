"""Generated photos as a phone takes them: noise over gradients (so they weigh what real photos weigh),
with the metadata a phone writes: GPS position, camera serial number, owner, orientation.

Used by the tests, the browser tests and the benchmark; nothing here is ever published on the Lille site.
"""
from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageDraw

SERIAL = "SN-4711-0815-LILLE"  # the camera's serial number, as EXIF's BodySerialNumber
OWNER = "Jeanne Martin"
LATITUDE = (50.0, 37.0, 48.0)  # Lille, as EXIF writes degrees, minutes, seconds


def photo(width: int = 4000, height: int = 3000, *, seed: int = 0, orientation: int = 1, noise: float = 40,
          quality: int = 92, fmt: str = "JPEG", mode: str = "RGB", progressive: bool = False) -> bytes:
    """A photo `width` x `height` as stored (orientation 6: a portrait photo stored landscape, as phones do).
    A 4000 x 3000 one with the defaults weighs about 5 MB."""
    image = _picture(width, height, seed, noise)
    if mode != "RGB":
        image = image.convert(mode)
    exif = Image.Exif()
    exif[0x010F] = "LilleCam"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x013B] = OWNER  # Artist
    exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)  # Exif IFD
    ifd[0xA431] = SERIAL  # BodySerialNumber
    ifd[0xA430] = OWNER  # CameraOwnerName
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: LATITUDE, 3: "E", 4: (3.0, 3.0, 36.0)})
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        options.update(quality=quality, comment=f"taken by {OWNER}".encode(), progressive=progressive)
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def transparent_png(width: int = 900, height: int = 600) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 100, width - 100, height - 100), fill=(0, 120, 200, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _picture(width: int, height: int, seed: int, noise: float) -> Image.Image:
    """Gradients in three directions, a few shapes, and sensor noise: JPEG cannot make it small."""
    channels = []
    for index in range(3):
        gradient = Image.linear_gradient("L").rotate(47 * (index + seed), expand=False).resize((width, height))
        grain = Image.effect_noise((width, height), noise + 3 * index + seed)
        channels.append(ImageChops.add(gradient, grain, scale=2.0, offset=int(40 * index)))
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for n in range(6):
        x, y = (seed * 131 + n * 577) % width, (seed * 71 + n * 311) % height
        draw.ellipse((x, y, x + width // 5, y + height // 5), fill=((n * 40) % 255, 90, 200 - n * 20))
    return image
