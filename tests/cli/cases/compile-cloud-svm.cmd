msrtrap compile examples/cloud-profile.policy --to svm -o cloud.svm && msrtrap diff examples/cloud-profile.policy cloud.svm
