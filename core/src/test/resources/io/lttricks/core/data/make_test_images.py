#!/usr/bin/env python3
"""Makes the small test images next to this script (run once; the files are committed).

patches-cmyk.jpg  8 colour patches (PATCHES, 16x16 each, 4 x 2) converted with PIL's naive
                  RGB->CMYK and saved as a CMYK JPEG (Adobe marker, inverted samples, as PIL and
                  Photoshop write them), quality 95
patches-grey.jpg  the patches' grey levels (PIL's L conversion), greyscale JPEG, quality 95
patches-rgb.jpg   the patches as a colour JPEG, quality 95, no chroma subsampling
resample-src.png  a 40x30 RGB image of seeded random values (numpy seed 5)
resample-pil.png  its crop (3, 2, 31, 25) resized to 16x16 by PIL, bilinear: what torchvision's
                  RandomResizedCrop computes on PIL images (F.resized_crop: crop, then resize)
Needs Debian's python3-pil and python3-numpy: /usr/bin/python3 make_test_images.py
"""
import os

import numpy as np
from PIL import Image

PATCHES = [(200, 30, 40), (30, 160, 60), (40, 60, 190), (230, 220, 40),
           (128, 128, 128), (250, 250, 250), (20, 20, 20), (90, 200, 210)]
here = os.path.dirname(os.path.abspath(__file__))
img = Image.new("RGB", (64, 32))
for i, c in enumerate(PATCHES):
    x, y = (i % 4) * 16, (i // 4) * 16
    img.paste(c, (x, y, x + 16, y + 16))
img.convert("CMYK").save(os.path.join(here, "patches-cmyk.jpg"), "JPEG", quality=95)
img.convert("L").save(os.path.join(here, "patches-grey.jpg"), "JPEG", quality=95)
img.save(os.path.join(here, "patches-rgb.jpg"), "JPEG", quality=95, subsampling=0)
src = Image.fromarray(np.random.RandomState(5).randint(0, 256, size=(30, 40, 3)).astype(np.uint8), "RGB")
src.save(os.path.join(here, "resample-src.png"))
src.crop((3, 2, 31, 25)).resize((16, 16), Image.BILINEAR).save(os.path.join(here, "resample-pil.png"))
print("grey levels:", [img.convert("L").getpixel(((i % 4) * 16 + 8, (i // 4) * 16 + 8)) for i in range(8)])
