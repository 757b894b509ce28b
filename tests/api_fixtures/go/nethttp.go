package main

import (
	"encoding/json"
	"log"
	"net/http"
	"time"
)

type Note struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body,omitempty"`
	Pinned    *bool     `json:"pinned"`
	CreatedAt time.Time `json:"created_at"`
	internal  string
	Secret    string `json:"-"`
	Author    string
}

type createNoteRequest struct {
	Title string `json:"title" validate:"required"`
	Body  string `json:"body,omitempty"`
}

type server struct{ notes []Note }

func (s *server) listNotes(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(s.notes)
}

func (s *server) createNote(w http.ResponseWriter, r *http.Request) {
	var req createNoteRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func health(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }

func main() {
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes", s.listNotes)
	mux.HandleFunc("POST /notes", s.createNote)
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.PathValue("id")))
	})
	mux.Handle("DELETE /notes/{id}/{$}", http.HandlerFunc(s.listNotes))
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("./public"))))

	api := http.NewServeMux()
	api.HandleFunc("GET /version", health)
	mux.Handle("/api/", http.StripPrefix("/api", api))

	http.HandleFunc("/healthz", health)
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadTimeout: 5 * time.Second}
	resp, err := http.Get("http://example.com/x")
	if err == nil {
		resp.Body.Close()
	}
	log.Fatal(srv.ListenAndServe())
}
