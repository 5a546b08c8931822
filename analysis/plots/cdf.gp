# mmab: cumulative distribution of a latency, one line per result set
# (all iterations pooled).  Histogram buckets are log-spaced, so the CDF
# is exact at each bucket's upper bound.
# Data (@DATA@): set (its colour: 1 = first set given), value,
# fraction of events <= value, events <= value.
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
set output @OUTPUT@
set title @TITLE@
set xlabel @XLABEL@
set ylabel 'fraction of events (CDF)'
set logscale x
set format x '%g'
set yrange [0:1.02]
set ytics 0, 0.1, 1
set key outside bottom center horizontal
DATA = @DATA@
plot for [i=1:NSETS] DATA using ($1 == SETLT[i] ? $2 : NaN):3 with steps lt SETLT[i] title SETLABEL[i]
