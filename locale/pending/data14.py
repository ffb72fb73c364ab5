# Issue 14 (minors' data, upload limits), helper 8: no new user-visible strings. The staff
# import's size refusal reuses the roster's msgid "The file is larger than %(max)d MB.";
# system-check messages (aftercare.E010) are for operators and stay in English.
T = {}
