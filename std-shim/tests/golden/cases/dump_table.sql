.dump t
.dump "odd%" empty
