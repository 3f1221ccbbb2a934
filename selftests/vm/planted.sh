#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of harness-selftest.sh: failures planted on purpose, each of
# which the harness must report.  V9P_PLANT picks the set.
. "$V9P_TOP/selftests/vm/guest-lib.sh"

crashme=$V9P_TOP/build/crashme/$KVER/crashme.ko
dmesg_new > /dev/null

case "${V9P_PLANT:-}" in
failures)
	run_program planted-assertion 30 printf 'TAP version 13\n1..2\nok 1 fine\nnot ok 2 planted assertion\n'
	run_program planted-early-exit 30 sh -c 'printf "TAP version 13\n1..3\nok 1 first\n"; exit 3'
	run_program planted-infinite-loop 5 sh -c 'echo "TAP version 13"; echo "1..1"; while :; do :; done'
	run_program planted-passing 30 printf 'TAP version 13\n1..1\nok 1 fine\n'
	run_program planted-exit-after-all 30 sh -c 'printf "TAP version 13\n1..1\nok 1 fine\n"; exit 2'
	run_program planted-plan-last 30 printf 'TAP version 13\nok 1 fine\n1..1\n'
	run_program planted-unlisted-skip 30 printf 'TAP version 13\n1..1\nok 1 setup # SKIP no image\n'
	run_program planted-listed-skip 30 printf 'TAP version 13\n1..1\nok 1 feature # SKIP planted allowed skip\n'
	v9p_modprobe vhost_9p
	run_program planted-stalled-ring 60 "$V9P_TOP/build/selftests/ring_fuzz" --plant-stall
	insmod "$crashme" mode=warn && rmmod crashme
	dmesg_check planted-warn
	insmod "$crashme" mode=oops
	dmesg_check planted-oops
	;;
debug-checkers)
	# The debug kernel's checkers (make check-debug) must be heard.
	insmod "$crashme" mode=kasan && rmmod crashme
	dmesg_check planted-kasan
	insmod "$crashme" mode=leak && rmmod crashme
	kmemleak_check planted-leak
	;;
hang-user)
	sleep 100000
	;;
hang-kernel)
	insmod "$crashme" mode=hang
	;;
*)
	echo "planted.sh: unknown V9P_PLANT '${V9P_PLANT:-}'"
	exit 1
	;;
esac
exit 0
