// every form the reader knows
+incdir+rtl/inc+rtl/pkg
-incdir ../shared
+define+SIM+WIDTH=8
-define DEBUG
-Irtl/more -DFAST=1
/* a block
   comment */
# a hash comment
$HOME/lib/a.sv
${NOPE}/b.sv
$(NOPE)/c.sv
"quoted dir/d.sv"
'single $HOME'/e.sv
rtl/top.sv rtl/./x/../top.sv \
  rtl/cont.sv
-v lib/cells.v
-y lib/dir
+libext+.v+.sv
-F b.f
-f a.f
--unknown-option
