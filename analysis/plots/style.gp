# --- mmab plot style (shared by every mmab plot) ---------------------------
# One colour per result set, in the order the sets were given to mmab: set 1
# is always blue, set 2 vermillion, ... in every plot (Okabe-Ito palette,
# readable by colour-blind readers).  Edit here to restyle.
set datafile separator ','
set datafile columnheaders
set datafile missing 'NaN'
set termoption noenhanced
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.6
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 0.7
set linetype 4 lc rgb '#CC79A7' lw 2 pt 13 ps 0.7
set linetype 5 lc rgb '#E69F00' lw 2 pt 11 ps 0.7
set linetype 6 lc rgb '#56B4E9' lw 2 pt 7 ps 0.6
set linetype 7 lc rgb '#555555' lw 2 pt 5 ps 0.6
set linetype 8 lc rgb '#A08A00' lw 2 pt 9 ps 0.7
set linetype cycle 8
set border 3 lw 1 lc rgb '#555555'
set tics nomirror out scale 0.6 textcolor rgb '#333333'
set grid xtics ytics lc rgb '#e4e4e4' lw 1 dt 1
set key top right noopaque nobox samplen 2.5 spacing 1.1 textcolor rgb '#222222'
set title font ',12' textcolor rgb '#111111'
set style fill transparent solid 0.20 noborder
set mxtics
# ----------------------------------------------------------------------------
