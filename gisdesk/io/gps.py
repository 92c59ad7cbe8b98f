"""The laptop's position from a GPS receiver's NMEA 0183 stream: a serial device, or a log replayed.

Sources give lines: `SerialSource` (pyserial, a port and a baud rate: USB receivers show up as
/dev/ttyUSB0 or /dev/ttyACM0, COM3 on Windows; most talk at 4800 or 9600 baud) and
`ReplaySource` (a log file, with its own timing — the time between its fixes, divided by a
speed — or as fast as it can be read). `NmeaParser` reads GGA (fix quality, satellites, HDOP,
altitude) and RMC (status, speed, course, date) with pynmea2, GST (the receiver's own error
estimate) when there is one, and counts what it cannot use: checksum errors (or no checksum),
garbage lines, other sentences. A receiver without a fix is reported as such (`Fix.has_fix`
False, no position), never as its last position.

`GpsReceiver` reads a source in a thread of its own and keeps the latest fix; the app polls it.
Positions go into the project CRS with `to_crs` (NMEA positions are WGS 84; CGCS2000 agrees with
it to a few centimetres, far below a receiver's accuracy). No Qt.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import pynmea2
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.i18n import tr

WGS84 = 4326
BAUD_RATES = (4800, 9600, 19200, 38400, 57600, 115200)
KNOTS_KMH = 1.852
# Horizontal accuracy (1 sigma, m) per unit of HDOP by GGA fix quality, when the receiver sends no
# GST: the user equivalent range error of a consumer receiver (~5 m), DGPS/SBAS, RTK float and fixed.
UERE_M = {1: 5.0, 2: 1.5, 4: 0.02, 5: 0.3, 6: 10.0}
QUALITY = {0: ("无定位", "no fix"), 1: ("GPS 单点", "GPS"), 2: ("差分 DGPS", "DGPS"), 3: ("PPS", "PPS"),
           4: ("RTK 固定解", "RTK fixed"), 5: ("RTK 浮点解", "RTK float"), 6: ("推算", "estimated"),
           7: ("手动输入", "manual"), 8: ("模拟", "simulated")}


@dataclass(frozen=True)
class Fix:
    """What the receiver last said. Without a fix there is no position (lat, lon None)."""
    has_fix: bool = False
    lat: float | None = None  # degrees, north positive
    lon: float | None = None  # degrees, east positive
    quality: int = 0  # GGA fix quality (QUALITY)
    satellites: int | None = None
    hdop: float | None = None
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    time: dt.time | None = None  # UTC, of the last GGA/RMC
    date: dt.date | None = None  # from RMC
    error_m: float | None = None  # the receiver's own horizontal error (GST), 1 sigma

    @property
    def accuracy_m(self) -> float | None:
        """Horizontal accuracy, 1 sigma: the receiver's GST estimate, else HDOP × the error of its fix kind."""
        if not self.has_fix:
            return None
        if self.error_m is not None:
            return self.error_m
        if self.hdop is None:
            return None
        return self.hdop * UERE_M.get(self.quality, UERE_M[1])

    @property
    def quality_text(self) -> str:
        if not self.has_fix:
            return tr(*QUALITY[0])
        return tr(*QUALITY.get(self.quality, (str(self.quality), str(self.quality))))

    @property
    def when(self) -> dt.datetime | None:
        if self.time is None:
            return None
        date = self.date or dt.datetime.now(dt.timezone.utc).date()
        return dt.datetime.combine(date, self.time.replace(tzinfo=None), tzinfo=dt.timezone.utc)


class NmeaParser:
    """Lines in, the current Fix out; `stats` counts sentences used, checksum errors, garbage, others."""

    def __init__(self):
        self.fix = Fix()
        self.stats = Counter(used=0, checksum_errors=0, garbage=0, other=0)

    def feed(self, line: str | bytes) -> Fix | None:
        """Read one line; returns the new Fix when it was a GGA, RMC or GST (else None)."""
        if isinstance(line, bytes):
            line = line.decode("ascii", errors="replace")
        line = line.strip()
        if not line:
            return None
        if not line.startswith(("$", "!")) or not re.match(r"^[$!][A-Z]{2,5},", line):
            self.stats["garbage"] += 1
            return None
        try:
            message = pynmea2.parse(line, check=True)
        except pynmea2.ChecksumError:
            self.stats["checksum_errors"] += 1
            return None
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
            self.stats["garbage"] += 1
            return None
        kind = getattr(message, "sentence_type", "")
        try:
            if kind == "GGA":
                self.fix = self._gga(message)
            elif kind == "RMC":
                self.fix = self._rmc(message)
            elif kind == "GST":
                self.fix = self._gst(message)
            else:
                self.stats["other"] += 1
                return None
        except (ValueError, TypeError, AttributeError):  # a field that does not read as a number
            self.stats["garbage"] += 1
            return None
        self.stats["used"] += 1
        return self.fix

    def _gga(self, m) -> Fix:
        quality = int(m.gps_qual or 0)
        has_fix = quality > 0 and bool(m.lat) and bool(m.lon)
        return replace(
            self.fix, has_fix=has_fix, quality=quality, time=m.timestamp,
            lat=float(m.latitude) if has_fix else None, lon=float(m.longitude) if has_fix else None,
            satellites=int(m.num_sats) if m.num_sats else None,
            hdop=float(m.horizontal_dil) if m.horizontal_dil else None,
            altitude_m=float(m.altitude) if has_fix and m.altitude not in (None, "") else None,
            error_m=self.fix.error_m if has_fix else None)  # (the last GST's, until the next)

    def _rmc(self, m) -> Fix:
        valid = m.status == "A" and bool(m.lat) and bool(m.lon)
        same_epoch = self.fix.time == m.timestamp
        fix = replace(self.fix, time=m.timestamp, date=m.datestamp or self.fix.date,
                      speed_kmh=float(m.spd_over_grnd) * KNOTS_KMH if valid and m.spd_over_grnd is not None else None,
                      course_deg=float(m.true_course) if valid and m.true_course is not None else None)
        if not valid:
            return replace(fix, has_fix=False, lat=None, lon=None, quality=0)
        if same_epoch and self.fix.has_fix:  # the GGA of this second said it all; RMC adds speed and date
            return fix
        return replace(fix, has_fix=True, lat=float(m.latitude), lon=float(m.longitude),
                       quality=self.fix.quality if same_epoch and self.fix.quality else max(self.fix.quality, 1))

    def _gst(self, m) -> Fix:
        try:
            lat, lon = float(m.std_dev_latitude), float(m.std_dev_longitude)
        except (TypeError, ValueError):
            return self.fix
        return replace(self.fix, error_m=(lat ** 2 + lon ** 2) ** 0.5)


# --- sources ---------------------------------------------------------------------------------

_TIME = re.compile(rb"^\$[A-Z]{2}(?:GGA|RMC),(\d{2})(\d{2})(\d{2}(?:\.\d+)?),")


class ReplaySource:
    """The lines of an NMEA log. `speed`: 1 replays with the log's own timing (the seconds between
    its fixes), 10 ten times faster, 0 (or None) as fast as it reads; `loop` starts again at the end."""

    def __init__(self, path, *, speed: float | None = 1.0, loop: bool = False,
                 sleep: Callable[[float], None] = time.sleep):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("找不到 GPS 记录文件：{path}", "GPS log not found: {path}", path=self.path)
        self.speed, self.loop, self._sleep = speed, loop, sleep
        self._closed = threading.Event()

    @property
    def name(self) -> str:
        return self.path.name

    def lines(self) -> Iterator[bytes]:
        while not self._closed.is_set():
            last = None
            with self.path.open("rb") as handle:
                for line in handle:
                    if self._closed.is_set():
                        return
                    stamp = _TIME.match(line)
                    if stamp and self.speed:
                        now = int(stamp[1]) * 3600 + int(stamp[2]) * 60 + float(stamp[3])
                        if last is not None and now > last:
                            self._wait((now - last) / self.speed)
                        if last is None or now > last:
                            last = now
                    yield line
            if not self.loop:
                return

    def _wait(self, seconds: float) -> None:
        if self._sleep is time.sleep:
            self._closed.wait(seconds)  # (a close wakes it)
        else:
            self._sleep(seconds)

    def close(self) -> None:
        self._closed.set()


class SerialSource:
    """The lines a receiver on a serial port (USB, Bluetooth SPP) sends."""

    def __init__(self, port: str, baud: int = 9600):
        self.port, self.baud = port, int(baud)
        self._serial = None
        self._closed = threading.Event()

    @property
    def name(self) -> str:
        return f"{self.port} @ {self.baud}"

    def lines(self) -> Iterator[bytes]:
        import serial

        try:
            self._serial = serial.Serial(self.port, self.baud, timeout=0.5)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise InputError("无法打开 GPS 串口 {port}：{why}", "cannot open the GPS serial port {port}: {why}",
                             port=self.port, why=exc) from exc
        try:
            while not self._closed.is_set():
                line = self._serial.readline()
                if line:
                    yield line
        except (serial.SerialException, OSError) as exc:
            if not self._closed.is_set():
                raise InputError("GPS 串口 {port} 读取出错：{why}", "reading the GPS serial port {port} failed: {why}",
                                 port=self.port, why=exc) from exc
        finally:
            self._serial.close()

    def close(self) -> None:
        self._closed.set()


def serial_ports() -> list[str]:
    """The serial ports of this machine (where a receiver may be)."""
    from serial.tools import list_ports

    return sorted(port.device for port in list_ports.comports())


# --- the receiver --------------------------------------------------------------------------------

class GpsReceiver:
    """A source read in a thread of its own (no Qt, no pyproj in it); `fix`, `stats` and `error`
    are the latest, for the app to poll. While it runs it is the one `current_fix()` answers for."""

    def __init__(self, source):
        self.source = source
        self.parser = NmeaParser()
        self.error: str | None = None  # why the source stopped, when it failed
        self.finished = False  # the source came to its end (a replayed log) or failed
        self._lock = threading.Lock()
        self._fix = Fix()
        self._stats = Counter(self.parser.stats)
        self._thread: threading.Thread | None = None

    def start(self) -> GpsReceiver:
        global _active
        self._thread = threading.Thread(target=self._run, name="gisdesk-gps", daemon=True)
        self._thread.start()
        _active = self
        return self

    def stop(self) -> None:
        global _active
        self.source.close()
        if self._thread is not None:
            self._thread.join(2)
        if _active is self:
            _active = None

    def wait(self, timeout: float | None = None) -> bool:
        """Until the source ended (a replay read to its end); whether it did."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def fix(self) -> Fix:
        with self._lock:
            return self._fix

    @property
    def stats(self) -> Counter:
        with self._lock:
            return Counter(self._stats)

    def _run(self) -> None:
        try:
            for line in self.source.lines():
                fix = self.parser.feed(line)
                with self._lock:
                    if fix is not None:
                        self._fix = fix
                    self._stats = Counter(self.parser.stats)
        except Exception as exc:  # a port unplugged, a log unreadable: said in the panel
            self.error = str(exc)
        finally:
            with self._lock:
                self._stats = Counter(self.parser.stats)
            self.finished = True


_active: GpsReceiver | None = None


def current_fix() -> Fix | None:
    """The running receiver's latest fix when it has one (None: no receiver, or no fix)."""
    receiver = _active
    fix = receiver.fix if receiver is not None else None
    return fix if fix is not None and fix.has_fix else None


_TRANSFORMERS: dict[str, Transformer] = {}


def to_crs(lon: float, lat: float, crs) -> tuple[float, float]:
    """A WGS 84 position in `crs` (the project's), x and y."""
    crs = CRS.from_user_input(crs)
    key = crs.to_wkt()
    transformer = _TRANSFORMERS.get(key)
    if transformer is None:
        transformer = _TRANSFORMERS[key] = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return float(x), float(y)


def current_position(crs) -> tuple[float, float] | None:
    """Where the running receiver is, in `crs` (None without a fix): for a point or a vertex there."""
    fix = current_fix()
    return None if fix is None else to_crs(fix.lon, fix.lat, crs)
