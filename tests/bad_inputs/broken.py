from modelcheck import Model

class Broken(Model):
    def init_states(self)
        return [0]
