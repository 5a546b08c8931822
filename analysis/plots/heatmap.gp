# mmab: free blocks per buddy order over time in one result set (zone
# @ZONE@, mean over iterations), colour on a log scale; white = no free
# block of that order.
# Data (@DATA@): t, order, free blocks (NaN when zero or no sample).
# Runs standalone from this directory: gnuplot THIS_FILE
@TERMINAL@
@STYLE@
@SETS@
set output @OUTPUT@
set title @TITLE@ textcolor lt SETLT[1]
set xlabel 'time since iteration start (s)'
set ylabel 'buddy order (block = 2^order pages)'
set cblabel 'free blocks (log scale)' offset 1,0
set logscale cb
set format cb '%.0s%c'
set palette defined (0 '#fde0b8', 1 '#fdbb84', 2 '#fc8d59', 3 '#d7301f', 4 '#7f0000')
set ytics 1
set grid noxtics noytics
unset mxtics
set tics front
set xrange [*:*] noextend
set yrange [@YMIN@:@YMAX@]
# One cell per (sample time, order), DT = the time grid step (at most 150
# cells across, so each is a few pixels wide).  Each cell has a border of
# its own colour, which covers the antialiased seam between neighbours.
# (Not "with image": it misplaces cells around NaN.)
DT = @DT@
DATA = @DATA@
set style fill solid 1.0 border
plot DATA using 1:2:(DT / 2):(0.5):3 with boxxyerror lc palette lw 0.5 notitle
