# mmab: workload metrics per result set, small multiples (one panel per
# metric): bar = mean over iterations (harmonic mean for rates), error bar =
# 95% confidence interval of the mean (Student t, n-1 degrees of freedom).
# Data (@DATA@): one block per metric (gnuplot index), one row per set:
# set (1 = first set given), position, mean, ci95 half width, n.
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
@METRICS@
set output @OUTPUT@
set style fill solid 0.75 border lc rgb '#333333'
set boxwidth 0.7
set style data boxes
set grid noxtics ytics
unset mxtics
set key off
set xrange [0.3:NSETS + 0.7]
set yrange [0:*]
set xtics () rotate by 0
do for [i=1:NSETS] { set xtics add (SETLABEL[i] i) }
set multiplot layout ROWS, COLS title @TITLE@ font ',13'
do for [m=1:NMETRICS] {
	set title MTITLE[m] font ',10'
	set ylabel MUNIT[m]
	plot DATA index (m - 1) using 2:3:1 with boxes lc variable, \
	     DATA index (m - 1) using 2:3:4 with yerrorbars lc rgb '#222222' lw 1.5 pt -1
}
unset multiplot
