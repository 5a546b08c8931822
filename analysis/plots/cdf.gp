# mmab: cumulative distribution of a latency, one line per result set
# (all iterations pooled).  Histogram buckets are log-spaced, so the CDF
# is exact at each bucket's upper bound.
# Data (@DATA@): one block per set (gnuplot index, in SETLABEL order):
# latency, fraction of events <= latency, events.
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
set key bottom right
DATA = @DATA@
plot for [i=1:NSETS] DATA index (i - 1) using 1:2 with steps lt SETLT[i] title SETLABEL[i]
