"""The bench's reading of what else the host was doing while a figure was measured."""

from bench.run import NOISY_IO_FULL_PCT, Figure, host_during, host_reading


def test_shares_of_the_window_between_two_readings():
    before = {
        "wall_us": 0,
        "io_full_us": 1_000,
        "io_some_us": 2_000,
        "all_ticks": 100,
        "steal_ticks": 5,
    }
    after = {
        "wall_us": 10_000_000,
        "io_full_us": 1_000 + 1_500_000,
        "io_some_us": 2_000 + 4_000_000,
        "all_ticks": 2_100,
        "steal_ticks": 5 + 100,
    }
    assert host_during(before, after) == {
        "io_full_pct": 15.0,
        "io_some_pct": 40.0,
        "steal_pct": 5.0,
    }


def test_a_kernel_that_does_not_say_gives_no_shares():
    assert host_during({"wall_us": 0}, {"wall_us": 1_000_000}) == {}


def test_this_machine_is_read():
    reading = host_reading()
    assert reading["wall_us"] > 0
    later = host_reading()
    shares = host_during(reading, later)
    assert all(0 <= value <= 100 for value in shares.values())


def test_a_figure_measured_on_a_noisy_host_says_so():
    quiet = Figure("x", 1.0, "ms", 2.0, False, host={"io_full_pct": NOISY_IO_FULL_PCT})
    noisy = Figure("x", 1.0, "ms", 2.0, False, host={"io_full_pct": 41.0, "steal_pct": 2.0})
    unknown = Figure("x", 1.0, "ms", 2.0, False)
    assert not quiet.noisy and not unknown.noisy and noisy.noisy
    assert noisy.row()[-1] == "41 % / 2 % noisy"
    assert quiet.row()[-1] == "10 %"
    assert unknown.row()[-1] == ""
    assert noisy.met  # noise is reported beside the verdict, never instead of it
