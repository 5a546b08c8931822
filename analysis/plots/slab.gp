# mmab: occupancy (active / allocated objects) of the slab caches that grew
# most during the workload, in one result set (mean over iterations).
# Data (@DATA@): t, then one column per cache (in CACHE order), percent.
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
@CACHES@
set output @OUTPUT@
set title @TITLE@ textcolor lt SETLT[1]
set xlabel 'time since iteration start (s)'
set ylabel 'occupancy (% of allocated objects in use)'
set yrange [0:105]
set xrange [0:*] noextend
set key bottom right
# Caches get their own colours: the set's colour is in the title.
CACHECOL = '#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666'
DATA = @DATA@
plot for [c=1:NCACHES] DATA using 1:(column(c + 1)) with lines lw 2 \
	lc rgb word(CACHECOL, (c - 1) % 8 + 1) title CACHE[c]
