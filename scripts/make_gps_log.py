"""Write tests/data/gps/bund-walk.nmea: a synthetic NMEA 0183 log of a walk along the Bund (外滩),
Shanghai, as a BeiDou/GPS receiver (talker GN) would send it at 1 Hz: no fix for the first five
seconds, then GPS fixes, then DGPS; GSA/GSV/GST lines; two lines with a wrong checksum and two
garbage lines. Made by this script, not recorded: positions are computed, checksums are real.

    .venv/bin/python scripts/make_gps_log.py
"""

from __future__ import annotations

import math
from functools import reduce
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "gps" / "bund-walk.nmea"
START_LAT, START_LON = 31.2384, 121.4916  # on the Bund promenade by the river (Zhongshan East 1st Road)
HEADING = 350.0  # degrees from north, along the river front
SPEED = 1.4  # m/s, walking
SECONDS = 60
NO_FIX = 5
DATE = "201126"  # 2026-11-20
M_PER_DEG_LAT = 110_950.0  # at 31°N


def checksum(body: str) -> str:
    return f"{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def sentence(body: str) -> str:
    return f"${body}*{checksum(body)}"


def ddmm(value: float, degree_digits: int) -> str:
    degrees = int(value)
    minutes = (value - degrees) * 60
    return f"{degrees:0{degree_digits}d}{minutes:08.5f}"


def main() -> None:
    lines = []
    for t in range(SECONDS):
        hhmmss = f"0230{t:02d}.00" if t < 60 else ""
        moved = max(0, t - NO_FIX) * SPEED
        lat = START_LAT + moved * math.cos(math.radians(HEADING)) / M_PER_DEG_LAT
        lon = START_LON + moved * math.sin(math.radians(HEADING)) / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
        if t < NO_FIX:
            lines.append(sentence(f"GNGGA,{hhmmss},,,,,0,{t:02d},99.99,,,,,,"))
            lines.append(sentence(f"GNRMC,{hhmmss},V,,,,,,,{DATE},,,N"))
            lines.append(sentence("GNGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99"))
            continue
        quality = 1 if t < 40 else 2
        sats = 8 + (t // 7) % 4
        hdop = 1.3 - 0.01 * (t - NO_FIX) if quality == 1 else 0.8
        lat_s, lon_s = ddmm(lat, 2), ddmm(lon, 3)
        lines.append(sentence(f"GNGGA,{hhmmss},{lat_s},N,{lon_s},E,{quality},{sats:02d},{hdop:.2f},6.8,M,9.7,M,"
                              f"{'1.0,0138' if quality == 2 else ','}"))
        knots = SPEED / 0.514444
        lines.append(sentence(f"GNRMC,{hhmmss},A,{lat_s},N,{lon_s},E,{knots:.3f},{HEADING:.1f},{DATE},,,"
                              f"{'D' if quality == 2 else 'A'}"))
        lines.append(sentence(f"GNGSA,A,3,02,05,12,15,25,29,,,,,,,{hdop * 1.6:.2f},{hdop:.2f},{hdop * 1.2:.2f}"))
        if t % 5 == 0:
            lines.append(sentence("GPGSV,2,1,08,02,45,057,43,05,62,310,45,12,33,220,39,15,18,150,35"))
            lines.append(sentence("BDGSV,1,1,04,06,55,180,41,09,40,250,38,16,70,110,44,21,25,040,36"))
        err = (hdop * (5.0 if quality == 1 else 1.5)) / math.sqrt(2)
        lines.append(sentence(f"GNGST,{hhmmss},2.5,{err:.1f},{err:.1f},0.0,{err:.1f},{err:.1f},{err * 2:.1f}"))
        if t == 12:  # a line damaged on the wire: one character changed, the checksum no longer fits
            lines[-4] = lines[-4].replace(",A,", ",A,", 1).replace(lat_s, lat_s[:-1] + ("7" if lat_s[-1] != "7" else "3"))
        if t == 30:
            lines.append(lines[-1][:-2] + ("00" if lines[-1][-2:] != "00" else "01"))  # a wrong checksum
        if t == 20:
            lines.append("\x00\x7f\x12garbage from the USB adapter")
        if t == 45:
            lines.append("$GNGGA,0230")  # cut short
    OUT.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    print(f"{OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
