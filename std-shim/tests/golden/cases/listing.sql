.tables
.tables %a%
.indexes
.indexes t
.schema t
.schema odd%
