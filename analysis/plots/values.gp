# mmab: one metric of a comparison, each iteration's value per result set
# (a point each, the set's mean as a bar across), the values of one
# iteration joined by a grey line when the sets were compared pair by pair
# (the same seed in iteration k of every set).  Latencies: log scale.
# Data (@DATA@): set (its colour: 1 = first set given), x (the set's
# position, nudged by the iteration), iteration, value, the set's mean;
# a blank line between iterations.
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
set output @OUTPUT@
set title @TITLE@
set ylabel @YLABEL@
set key off
set grid noxtics ytics
unset mxtics
set xrange [0.5:NSETS + 0.5]
set xtics () scale 0
if (NSETS > 2) { set xtics rotate by 20 right }
do for [i=1:NSETS] { set xtics add (SETSHORT[i] i) }
LOG = @LOG@
PAIRED = @PAIRED@
if (LOG) { set logscale y; set format y '%.0s%c' }
set yrange [@YMIN@:*]
DATA = @DATA@
if (PAIRED) {
	plot DATA using 2:4 with lines lc rgb '#b0b0b0' lw 1, \
	     DATA using ($1 - 0.25):5:(0.5):(0):1 with vectors nohead lw 3 lc variable, \
	     DATA using 2:4:1 with points pt 7 ps 1.1 lc variable
} else {
	plot DATA using ($1 - 0.25):5:(0.5):(0):1 with vectors nohead lw 3 lc variable, \
	     DATA using 2:4:1 with points pt 7 ps 1.1 lc variable
}
