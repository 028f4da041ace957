a.sv
b.sv
-f b.f
