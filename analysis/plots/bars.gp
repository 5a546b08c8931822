# mmab: workload metrics per result set, small multiples (one panel per
# metric): bar = mean over iterations (harmonic mean for rates), error bar =
# 95% confidence interval of the mean (Student t, n-1 degrees of freedom;
# for a harmonic mean, the delta method on the reciprocals), cut at 0 for a
# metric with no negative value.  Latencies (MLOG) are points on a log
# scale, their error bars cut at the panel's floor (MFLOOR).
# Data (@DATA@): one row per (metric, set): metric number (MTITLE
# order), set (its colour: 1 = first set given), position on the x axis,
# mean, ci95 half width (NaN when n < 2), the error bar's lower and upper
# ends as drawn, n, metric name.
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
@METRICS@
set output @OUTPUT@
DATA = @DATA@
set style fill solid 0.75 border lc rgb '#333333'
set boxwidth 0.7
set style data boxes
set grid noxtics ytics
unset mxtics
set key off
set xrange [0.3:NSETS + 0.7]
# Tick labels: labels cut to 16 characters (the full ones are in SETLABEL).
set xtics () scale 0
if (NSETS > 2) { set xtics rotate by 20 right }
do for [i=1:NSETS] { set xtics add (SETSHORT[i] i) }
set multiplot layout ROWS, COLS title @TITLE@ font ',13'
do for [m=1:NMETRICS] {
	set title MTITLE[m] font ',10'
	set ylabel MUNIT[m]
	if (MLOG[m]) {
		# a latency: the mean as a point, log scale from the panel's floor
		set logscale y
		set format y '%.0s%c'
		set yrange [MFLOOR[m]:*]
		if (MHASCI[m]) {
			plot DATA using ($1 == m ? $3 : NaN):4:6:7:2 \
				with yerrorbars pt 7 ps 1.4 lw 1.5 lc variable, \
			     DATA using ($1 == m && $8 > 0 ? $3 + 0.18 : NaN):4:(sprintf('n=%d', $8)) \
				with labels left font ',8' tc rgb '#333333'
		} else {
			plot DATA using ($1 == m ? $3 : NaN):4:2 with points pt 7 ps 1.4 lc variable, \
			     DATA using ($1 == m && $8 > 0 ? $3 + 0.18 : NaN):4:(sprintf('n=%d', $8)) \
				with labels left font ',8' tc rgb '#333333'
		}
		unset logscale y
		set format y '% h'
		continue
	}
	# bars start at 0 unless a value goes below it
	if (MNEG[m]) { set yrange [*:*] } else { set yrange [0:*] }
	# n (iterations with a value) at the foot of each bar
	if (MHASCI[m]) {
		# the CI as a line with caps: lo .. hi
		plot DATA using ($1 == m ? $3 : NaN):4:2 with boxes lc variable, \
		     DATA using ($1 == m ? $3 : NaN):6:(0):($7 - $6) \
			with vectors nohead lc rgb '#222222' lw 1.5, \
		     DATA using ($1 == m ? $3 - 0.12 : NaN):6:(0.24):(0) \
			with vectors nohead lc rgb '#222222' lw 1.5, \
		     DATA using ($1 == m ? $3 - 0.12 : NaN):7:(0.24):(0) \
			with vectors nohead lc rgb '#222222' lw 1.5, \
		     DATA using ($1 == m && $8 > 0 ? $3 : NaN):(0):(sprintf('n=%d', $8)) \
			with labels offset 0,0.7 font ',8' tc rgb '#ffffff'
	} else {
		plot DATA using ($1 == m ? $3 : NaN):4:2 with boxes lc variable, \
		     DATA using ($1 == m && $8 > 0 ? $3 : NaN):(0):(sprintf('n=%d', $8)) \
			with labels offset 0,0.7 font ',8' tc rgb '#ffffff'
	}
}
unset multiplot
