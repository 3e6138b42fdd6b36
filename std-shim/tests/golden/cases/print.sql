.print hello  "a\tb" 'c d'
.print
