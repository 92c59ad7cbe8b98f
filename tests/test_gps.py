"""GPS from NMEA: sentences to known positions (ddmm.mmmm worked out by hand), checksum errors and
garbage counted, no fix said as such, a log replayed with its timing, positions in the project CRS."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from pathlib import Path

import pytest
from pyproj import Transformer

from gisdesk.io import gps

LOG = Path(__file__).parent / "data" / "gps" / "bund-walk.nmea"


def nmea(body: str) -> str:
    """A sentence with its checksum, worked out here (XOR of the characters between $ and *)."""
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def test_a_gga_gives_the_position_quality_satellites_and_hdop():
    parser = gps.NmeaParser()
    fix = parser.feed(nmea("GNGGA,023015.00,3114.5000,N,12129.2500,E,1,09,0.8,5.2,M,9.1,M,,"))
    # 31° 14.5' = 31 + 14.5/60 = 31.2416666…°; 121° 29.25' = 121 + 29.25/60 = 121.4875°
    assert fix.has_fix and fix.lat == pytest.approx(31.241666666, abs=1e-9) and fix.lon == pytest.approx(121.4875, abs=1e-12)
    assert (fix.quality, fix.satellites, fix.hdop, fix.altitude_m) == (1, 9, 0.8, 5.2)
    assert fix.time == dt.time(2, 30, 15, tzinfo=dt.timezone.utc)
    assert fix.accuracy_m == pytest.approx(0.8 * 5.0)  # HDOP × a consumer receiver's error, with no GST
    assert fix.quality_text == "GPS 单点"


def test_south_and_west_are_negative_and_rmc_adds_speed_course_and_date():
    parser = gps.NmeaParser()
    # 33° 52.1234' S = -(33 + 52.1234/60) = -33.868723…; 151° 12.6000' E = 151.21
    fix = parser.feed(nmea("GPRMC,081530.00,A,3352.1234,S,15112.6000,E,10.0,270.5,201126,,,A"))
    assert fix.has_fix and fix.lat == pytest.approx(-33.86872333, abs=1e-8) and fix.lon == pytest.approx(151.21)
    assert fix.speed_kmh == pytest.approx(18.52) and fix.course_deg == 270.5  # 10 knots × 1.852
    assert fix.date == dt.date(2026, 11, 20) and fix.when == dt.datetime(2026, 11, 20, 8, 15, 30, tzinfo=dt.timezone.utc)
    west = parser.feed(nmea("GPGGA,081531.00,4807.0380,N,00131.0000,W,2,08,0.9,545.4,M,46.9,M,,"))
    assert west.lon == pytest.approx(-(1 + 31 / 60)) and west.lat == pytest.approx(48 + 7.038 / 60)
    assert west.quality_text == "差分 DGPS"


def test_bad_checksums_and_garbage_are_counted_and_skipped():
    parser = gps.NmeaParser()
    good = nmea("GNGGA,023015.00,3114.5000,N,12129.2500,E,1,09,0.8,5.2,M,9.1,M,,")
    wrong = good[:-2] + ("00" if good[-2:] != "00" else "01")
    assert parser.feed(wrong) is None
    assert parser.feed(good.split("*")[0]) is None  # no checksum at all
    assert parser.feed("\x00\x7fnoise") is None
    assert parser.feed("$GNGGA,02301") is None  # cut short: no checksum either
    assert parser.feed(nmea("GNGSA,A,3,02,05,12,,,,,,,,,,2.0,1.2,1.5")) is None  # not a position
    assert not parser.fix.has_fix
    assert parser.feed(good).has_fix
    assert (parser.stats["checksum_errors"], parser.stats["garbage"], parser.stats["other"], parser.stats["used"]) == \
        (3, 1, 1, 1)


def test_no_fix_is_said_as_such_not_as_the_last_position():
    parser = gps.NmeaParser()
    assert parser.feed(nmea("GNGGA,023015.00,3114.5000,N,12129.2500,E,1,09,0.8,5.2,M,9.1,M,,")).has_fix
    lost = parser.feed(nmea("GNGGA,023016.00,,,,,0,03,99.99,,,,,,"))
    assert not lost.has_fix and lost.lat is None and lost.lon is None and lost.accuracy_m is None
    assert lost.satellites == 3 and lost.quality_text == "无定位"
    assert not parser.feed(nmea("GNRMC,023017.00,V,,,,,,,201126,,,N")).has_fix


def test_the_receiver_s_own_error_estimate_gst_is_its_accuracy():
    parser = gps.NmeaParser()
    parser.feed(nmea("GNGGA,023015.00,3114.5000,N,12129.2500,E,4,20,0.6,5.2,M,9.1,M,1.0,0001"))
    fix = parser.feed(nmea("GNGST,023015.00,0.5,0.03,0.02,10.0,0.03,0.04,0.06"))
    assert fix.accuracy_m == pytest.approx((0.03 ** 2 + 0.04 ** 2) ** 0.5) and fix.quality_text == "RTK 固定解"


def test_the_bund_log_replays_with_its_timing_and_its_damaged_lines_counted():
    slept = []
    receiver = gps.GpsReceiver(gps.ReplaySource(LOG, speed=10, sleep=slept.append)).start()
    assert receiver.wait(10)
    assert receiver.error is None
    # 60 seconds of fixes, one a second, ten times faster: 59 waits of 0.1 s
    assert len(slept) == 59 and sum(slept) == pytest.approx(5.9)
    stats = receiver.stats
    assert (stats["checksum_errors"], stats["garbage"]) == (3, 1)  # two damaged, one cut short; USB noise
    last = receiver.fix
    assert last.has_fix and last.quality == 2 and last.time == dt.time(2, 30, 59, tzinfo=dt.timezone.utc)
    # the walk's last position, as scripts/make_gps_log.py wrote it (ddmm.mmmmm read back by hand)
    lines = [line for line in LOG.read_text().splitlines() if line.startswith("$GNGGA,023059")]
    _, _, lat, _, lon, *_ = lines[0].split(",")
    assert last.lat == pytest.approx(int(lat[:2]) + float(lat[2:]) / 60, abs=1e-9)
    assert last.lon == pytest.approx(int(lon[:3]) + float(lon[3:]) / 60, abs=1e-9)
    assert 31.238 < last.lat < 31.240 and 121.490 < last.lon < 121.492  # on the Bund
    receiver.stop()


def test_as_fast_as_possible_waits_for_nothing():
    slept = []
    receiver = gps.GpsReceiver(gps.ReplaySource(LOG, speed=0, sleep=slept.append)).start()
    assert receiver.wait(10) and slept == [] and receiver.fix.has_fix
    receiver.stop()


def test_positions_go_into_the_project_crs_as_pyproj_puts_them():
    for epsg in (4549, 4550, 4527):  # CGCS2000 3° zones CM 120°E, 123°E; and zone 40 with its prefix
        expected = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(121.4875, 31.2416666667)
        assert gps.to_crs(121.4875, 31.2416666667, epsg) == pytest.approx(expected, abs=1e-6)
    x, y = gps.to_crs(121.4875, 31.2416666667, 4549)
    assert 640_000 < x < 650_000 and 3_457_000 < y < 3_460_000  # ~148 km east of 120°E, ~3458 km north


def test_current_fix_and_position_answer_for_the_running_receiver():
    assert gps.current_fix() is None
    receiver = gps.GpsReceiver(gps.ReplaySource(LOG, speed=0)).start()
    receiver.wait(10)
    fix = gps.current_fix()
    assert fix is receiver.fix and fix.has_fix
    assert gps.current_position(4550) == pytest.approx(gps.to_crs(fix.lon, fix.lat, 4550))
    receiver.stop()
    assert gps.current_fix() is None and gps.current_position(4550) is None


def test_a_missing_log_or_port_is_a_clear_error():
    with pytest.raises(gps.InputError, match="找不到 GPS 记录文件"):
        gps.ReplaySource("/nonexistent/x.nmea")
    receiver = gps.GpsReceiver(gps.SerialSource("/dev/nonexistent-gps", 9600)).start()
    receiver.wait(5)
    assert receiver.finished and "无法打开 GPS 串口 /dev/nonexistent-gps" in receiver.error
    receiver.stop()


def test_a_receiver_on_a_serial_device_is_read_as_it_sends():
    """A pseudo-terminal stands in for the USB receiver: pyserial opens its device as a port."""
    import os
    import time

    master, slave = os.openpty()
    receiver = gps.GpsReceiver(gps.SerialSource(os.ttyname(slave), 4800)).start()
    try:
        lines = LOG.read_bytes().splitlines(keepends=True)
        fixes = [i for i, line in enumerate(lines) if line.startswith(b"$GNGGA,023020")]
        deadline = time.monotonic() + 10
        while getattr(receiver.source._serial, "is_open", False) is not True and time.monotonic() < deadline:
            time.sleep(0.02)  # (opening the port flushes what waited in it)
        for line in lines[:fixes[0] + 1]:
            os.write(master, line)
        while (receiver.fix.time is None or receiver.fix.time.second != 20) and time.monotonic() < deadline:
            time.sleep(0.02)
        fix = receiver.fix
        assert receiver.error is None and fix.has_fix and fix.time == dt.time(2, 30, 20, tzinfo=dt.timezone.utc)
        _, _, lat, _, lon, *_ = lines[fixes[0]].decode().split(",")
        assert (fix.lat, fix.lon) == pytest.approx((int(lat[:2]) + float(lat[2:]) / 60, int(lon[:3]) + float(lon[3:]) / 60))
        assert receiver.stats["checksum_errors"] == 1  # the damaged line of 02:30:12
    finally:
        receiver.stop()
        os.close(master)
        os.close(slave)
    assert not receiver.running
