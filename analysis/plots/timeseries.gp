# mmab: a collector metric over time, one line per result set.
# Each line is the mean across the set's iterations, resampled on a common
# time grid; the shaded band is the min-max range across iterations.
# Data (@DATA@): t, then mean,min,max for each set (NaN = no data).
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
set output @OUTPUT@
set title @TITLE@
set xlabel 'time since iteration start (s)'
set ylabel @YLABEL@
set yrange @YRANGE@
set xrange [0:*] noextend
set key outside bottom center horizontal
DATA = @DATA@
plot for [i=1:NSETS] DATA using 1:(column(3*i)):(column(3*i+1)) \
	with filledcurves lt SETLT[i] notitle, \
     for [i=1:NSETS] DATA using 1:(column(3*i-1)) \
	with lines lt SETLT[i] title SETLABEL[i]
