module cse.example/gocases

go 1.19
