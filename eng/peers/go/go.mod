module certitude.peers/go

go 1.19
