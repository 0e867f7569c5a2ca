#!/bin/sh
# Nightly retraining from cron: train a candidate on today's data and make it live only if it is not worse than the
# live model on the held-out file. Exit 0: promoted; 3: trained, the live model kept; 1: an error (see the log).
#   crontab: 15 2 * * *  cd /srv/spam && sh nightly.sh spam.yaml runs/spam data/gate.tsv >> nightly.log 2>&1
set -u
config=$1 models=$2 gate=$3
sgdtext train "$config" --out-dir "$models" --promote-if-better --gate "$gate" --keep 7 --wait 3600
status=$?
case $status in
  0) echo "$(date -u +%FT%TZ) promoted a new model in $models" ;;
  3) echo "$(date -u +%FT%TZ) kept the live model in $models (the new one scored worse on $gate)" ;;
  *) echo "$(date -u +%FT%TZ) training failed with exit $status" ;;
esac
exit $status
