#!/usr/bin/env bash
# Prints the CSV `orgbase import` seeds the benchmarks from: ROWS organizations with every
# attribute a list filters or sorts by.   bench/seed/organizations-csv.sh ROWS > FILE
set -euo pipefail
awk -v rows="$1" 'BEGIN {
  print "name,website,city,country,industry,company_size,lists,domains";
  for (n = 0; n < rows; n++)
    printf "Company %d,https://c%d.example,City %d,Country %d,Industry %d,%d,List %d;Group %d,c%d.example\n",
      n, n, n % 500, n % 50, n % 20, n % 5000, n % 10, n % 7, n;
}'
