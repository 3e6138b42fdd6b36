.dump
