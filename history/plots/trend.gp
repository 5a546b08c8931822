# mmab: one series of the nightly history (mmab history site).
# Each run's value (the metric's aggregate over its iterations) as a line
# with points; the shaded band is the min-max range of the run's iterations;
# the step line is the mean of each segment between change points; a
# change point is a labelled vertical line at the first run after the
# change (red: regression, green: improvement, grey: a change of a metric
# without a better direction); the kernel release is written under the
# x axis where it changed.
# Data (@DATA@): run number (1 = oldest), start, value, min, max,
# segment mean, kernel release (NaN / empty = n/a).
# Runs standalone from this directory: gnuplot THIS_FILE
reset
@TERMINAL@
@STYLE@
set output @OUTPUT@
set title @TITLE@
set ylabel @YLABEL@
set xlabel 'run (oldest first)' offset 0,-@KOFFSET@
set bmargin @BMARGIN@
set tmargin 4
set key outside bottom center horizontal
set xrange [@XMIN@:@XMAX@]
set xtics (@XTICS@) nomirror
set mxtics default
@MARKS@
DATA = @DATA@
plot DATA using 1:4:5 with filledcurves lt 1 title 'iterations min-max', \
     DATA using 1:3 with linespoints lt 1 pt 7 ps 0.5 title 'run value', \
     DATA using ($1 - 0.5):6 with steps lt 7 lw 2.5 dt 1 title 'segment mean'
@SVG@
