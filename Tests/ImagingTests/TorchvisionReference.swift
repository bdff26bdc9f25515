/// torchvision's geometry for PIL images, transcribed from torchvision/transforms/functional.py
/// (`_compute_resized_output_size` for an int size, and `center_crop` with its zero padding), as
/// Python to be prepended to reference scripts. torchvision itself is not installed here.
let torchvisionGeometry = #"""
import numpy as np
from PIL import Image

def torchvision_resize(image, size):
    w, h = image.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return image.resize((new_w, new_h), Image.Resampling.BILINEAR)

def torchvision_center_crop(image, crop_width, crop_height):
    w, h = image.size
    if crop_width > w or crop_height > h:
        left = (crop_width - w) // 2 if crop_width > w else 0
        top = (crop_height - h) // 2 if crop_height > h else 0
        right = (crop_width - w + 1) // 2 if crop_width > w else 0
        bottom = (crop_height - h + 1) // 2 if crop_height > h else 0
        image = Image.fromarray(np.pad(np.asarray(image), ((top, bottom), (left, right), (0, 0))))
        w, h = image.size
        if crop_width == w and crop_height == h:
            return image
    top = int(round((h - crop_height) / 2.0))
    left = int(round((w - crop_width) / 2.0))
    return image.crop((left, top, left + crop_width, top + crop_height))

"""#
